#!/usr/bin/env python3
"""Makes each browser's package from a copy of the extension in dist/<target>/.

Called by ./build.sh after it copied manifest.json and extension/ there. For
each target it merges manifest.<browser>.json over the one manifest (a JSON
merge patch, RFC 7396: null removes a key, objects merge, anything else
replaces; plus {"$without": [...]} to drop items from an array), points
platform/browser.js at that browser's module, removes what the package does
not use, and zips it.
"""
import json
import os
import sys
import zipfile

TARGETS = {"chrome": "chromium", "firefox": "firefox"}
PACKAGES = {"chrome": "cloak-chrome.zip", "firefox": "cloak-firefox.xpi"}


def merge(base, patch):
    """RFC 7396 merge of `patch` over `base`, with the `$without` array rule."""
    if isinstance(patch, dict) and set(patch) == {"$without"}:
        return [item for item in base if item not in patch["$without"]]
    if not isinstance(patch, dict):
        return patch
    out = dict(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(out.get(key), value)
    return out


def stage(dist, target):
    root = os.path.join(dist, target)
    browser = TARGETS[target]
    platform = os.path.join(root, "extension", "platform")
    with open(os.path.join(root, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    with open(os.path.join(platform, f"manifest.{browser}.json"), encoding="utf-8") as f:
        manifest = merge(manifest, json.load(f))
    with open(os.path.join(root, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
    with open(os.path.join(platform, "browser.js"), "w", encoding="utf-8") as f:
        f.write(f"// This package's platform module (extension/platform/stage.py).\nexport * from './{browser}.js';\n")
    for name in os.listdir(platform):
        other = [b for b in TARGETS.values() if b != browser]
        if name.startswith("manifest.") or name.endswith(".py") or name in (f"{b}.js" for b in other):
            os.remove(os.path.join(platform, name))
    with zipfile.ZipFile(os.path.join(dist, PACKAGES[target]), "w", zipfile.ZIP_DEFLATED) as z:
        for folder, _, files in sorted(os.walk(root)):
            for name in sorted(files):
                path = os.path.join(folder, name)
                z.write(path, os.path.relpath(path, root))


if __name__ == "__main__":
    for t in TARGETS:
        stage(sys.argv[1], t)
