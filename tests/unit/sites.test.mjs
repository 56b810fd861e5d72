// Site matching (extension/lib/sites.js), straight in Node: what the popup,
// the content-script registration and the download classifier rely on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KNOWN_SITES, originsFor, parseOrigin, patternFor, siteCovers } from '../../extension/lib/sites.js';

describe('parseOrigin', () => {
  it('normalises what users type', () => {
    assert.equal(parseOrigin('nextcloud.example.com'), 'https://nextcloud.example.com');
    assert.equal(parseOrigin('  http://127.0.0.1:8080/x/y?z '), 'http://127.0.0.1:8080');
    assert.equal(parseOrigin('HTTPS://Drive.Google.com/'), 'https://drive.google.com');
  });
  it('refuses what is not an http(s) origin', () => {
    for (const bad of ['', '   ', 'ftp://x.example', 'javascript:alert(1)', 'file:///etc/passwd', 'http://', 'data:text/html,x']) {
      assert.equal(parseOrigin(bad), null, bad);
    }
  });
});

describe('patternFor', () => {
  it('drops the port, which match patterns cannot hold', () => {
    assert.equal(patternFor('http://127.0.0.1:8123'), 'http://127.0.0.1/*');
    assert.equal(patternFor('https://*.sharepoint.com'), 'https://*.sharepoint.com/*');
  });
  it('throws for anything else', () => {
    for (const bad of ['null', 'blob:https://x/y', 'https://x/path', '']) assert.throws(() => patternFor(bad), bad);
  });
});

describe('siteCovers', () => {
  const sites = ['https://drive.google.com', 'http://127.0.0.1:9000'];
  it("covers a known site's extra origins and subdomains", () => {
    assert.deepEqual(originsFor('https://drive.google.com'), KNOWN_SITES[0].origins);
    assert.ok(siteCovers(sites, 'https://doc-0s-1c.googleusercontent.com/download/x'));
    assert.ok(siteCovers(sites, 'https://drive.google.com/file/d/1'));
  });
  it('ignores ports, as match patterns do, and counts a blob: URL as its maker', () => {
    assert.ok(siteCovers(sites, 'http://127.0.0.1:1234/dl/x.cloak'));
    assert.ok(siteCovers(sites, 'blob:https://drive.google.com/0b6c4c1e-aaaa-bbbb-cccc-000000000000'));
  });
  it('does not cover look-alikes, other schemes or garbage', () => {
    for (const url of ['https://evil-googleusercontent.com/x', 'https://googleusercontent.com.evil.test/x',
      'http://drive.google.com/x', 'https://127.0.0.1:9000/x', 'not a url', 'blob:null/abc']) {
      assert.equal(siteCovers(sites, url), false, url);
    }
  });
});
