#!/usr/bin/env bash
# Copy the pinned front-end packages into static/vendor/ (run by hand when a pin changes;
# the copies are committed so the app works offline and needs no npm at run time).
# Bootstrap and htmx come from npm; the Arabic font (Amiri) from its PyPI package
# fontpkg-amiri, which is also a runtime dependency (the PDF dossier embeds it).
set -euo pipefail
cd "$(dirname "$0")/.."
BOOTSTRAP=5.3.8
HTMX=2.0.9
AMIRI=1.2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "bootstrap@$BOOTSTRAP" "htmx.org@$HTMX" >/dev/null)
(cd "$work" && for t in *.tgz; do mkdir -p "${t%.tgz}" && tar -xzf "$t" -C "${t%.tgz}"; done)
dest=static/vendor
rm -rf "$dest" && mkdir -p "$dest/bootstrap" "$dest/htmx" "$dest/amiri"
b="$work/bootstrap-$BOOTSTRAP/package"
cp "$b/dist/css/bootstrap.rtl.min.css" "$b/dist/css/bootstrap.min.css" "$b/dist/js/bootstrap.bundle.min.js" "$b/LICENSE" "$dest/bootstrap/"
h="$work/htmx.org-$HTMX/package"
cp "$h/dist/htmx.min.js" "$h/LICENSE" "$dest/htmx/"
python3 -m pip download --quiet --no-deps -d "$work" "fontpkg-amiri==$AMIRI"
(cd "$work" && python3 -m zipfile -e fontpkg_amiri-$AMIRI-py3-none-any.whl amiri-whl)
cp "$work"/amiri-whl/fontpkg_amiri/files/Amiri-Regular.ttf "$work"/amiri-whl/fontpkg_amiri/files/Amiri-Bold.ttf "$work"/amiri-whl/fontpkg_amiri/LICENSE "$dest/amiri/"
cat > "$dest/VERSIONS" <<TXT
bootstrap $BOOTSTRAP (npm, MIT) — css/bootstrap.rtl.min.css, css/bootstrap.min.css, js/bootstrap.bundle.min.js
htmx.org $HTMX (npm, 0BSD) — dist/htmx.min.js
fontpkg-amiri $AMIRI (PyPI, SIL Open Font License 1.1) — Amiri-Regular.ttf, Amiri-Bold.ttf
TXT
# Bootstrap's minified CSS ends with a sourceMappingURL comment to a map we do not ship;
# drop it so the manifest storage (production) does not look for the missing file.
sed -i 's#/\*\# sourceMappingURL=.*\*/##' "$dest"/bootstrap/*.css
sed -i 's#//\# sourceMappingURL=.*##' "$dest"/bootstrap/*.js
echo "vendored into $dest:"; cat "$dest/VERSIONS"
