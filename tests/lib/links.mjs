// Download links on a site's page, as a user finds them.

/**
 * Puts a link to `href` first on `page` (with a `download` attribute if
 * asked), replacing the one placed before; returns its selector.
 */
export async function placeLink(page, href, { download = false } = {}) {
  await page.evaluate((url, dl) => {
    document.getElementById('dl-link')?.remove();
    const a = document.createElement('a');
    a.id = 'dl-link';
    a.href = url;
    a.textContent = 'download';
    if (dl) a.download = '';
    document.body.prepend(a);
  }, href, download);
  return '#dl-link';
}
