// The progress overlay, rendered inside the extension-origin frame (a page can
// neither read nor script it).

const fmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const mb = (n) => `${fmt.format(n / 1e6)} MB`;

export class ProgressPanel {
  constructor(doc, onLayout) {
    this.doc = doc;
    this.onLayout = onLayout;
    this.el = (id) => doc.getElementById(id);
    this.rows = [];
    this.hideTimer = null;
    this.onCancel = null;
    this.el('cancel').addEventListener('click', () => this.onCancel?.());
  }

  layout() {
    const panel = this.el('panel');
    this.onLayout(panel.hidden ? 0 : Math.ceil(panel.getBoundingClientRect().height) + 2);
  }

  start(files, onCancel) {
    clearTimeout(this.hideTimer);
    this.onCancel = onCancel;
    const panel = this.el('panel');
    panel.hidden = false;
    panel.classList.remove('error');
    this.el('title').textContent = `Cloak is encrypting ${files.length} file${files.length === 1 ? '' : 's'}`;
    this.el('detail').textContent = 'Only encrypted .cloak files will reach this site.';
    this.el('cancel').hidden = false;
    const list = this.el('files');
    list.replaceChildren();
    this.rows = files.slice(0, 50).map((f) => {
      const li = this.doc.createElement('li');
      const name = this.doc.createElement('span');
      name.textContent = f.name;
      const bar = this.doc.createElement('progress');
      bar.max = 1;
      bar.value = 0;
      bar.setAttribute('aria-label', `Progress of ${f.name}`);
      li.append(name, bar);
      list.append(li);
      return bar;
    });
    this.layout();
  }

  progress(index, fileFraction, totalDone, totalBytes) {
    if (this.rows[index]) this.rows[index].value = fileFraction;
    this.el('total').value = totalBytes ? totalDone / totalBytes : 1;
    this.el('detail').textContent = `${mb(totalDone)} of ${mb(totalBytes)}`;
  }

  waiting(text) {
    this.el('detail').textContent = text;
    this.layout();
  }

  done(count) {
    this.el('title').textContent = `Encrypted ${count} file${count === 1 ? '' : 's'}`;
    this.el('detail').textContent = 'The site received only .cloak files.';
    this.el('cancel').hidden = true;
    this.el('total').value = 1;
    this.layout();
    this.hideTimer = setTimeout(() => this.hide(), 2500);
  }

  fail(message) {
    const panel = this.el('panel');
    panel.hidden = false;
    panel.classList.add('error');
    this.el('title').textContent = 'Upload blocked by Cloak';
    this.el('detail').textContent = `${message} Nothing was sent to this site.`;
    this.el('cancel').hidden = true;
    this.layout();
    this.hideTimer = setTimeout(() => this.hide(), 10000);
  }

  hide() {
    this.el('panel').hidden = true;
    this.layout();
  }
}
