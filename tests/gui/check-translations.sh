#!/bin/sh
# Every catalogue in po/ compiles with msgfmt --check, is complete (no untranslated or
# fuzzy messages) and covers every string the sources mark today (msgcmp against a fresh
# xgettext extraction). Skips (77) without the gettext tools.
set -u
podir="$1"
srcdir="$2"
for tool in msgfmt msgcmp xgettext; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The keywords of meson's 'glib' gettext preset.
(cd "$srcdir" && xgettext --package-name=tessera -o "$tmp/current.pot" -f po/POTFILES.in \
   --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
   --keyword=g_dngettext:2,3 --flag=N_:1:pass-c-format --flag=g_strdup_printf:1:c-format) \
  || { echo "xgettext failed"; exit 1; }
status=0
for lang in $(grep -v '^#' "$podir/LINGUAS"); do
  po="$podir/$lang.po"
  if [ ! -f "$po" ]; then
    echo "$po: missing"; status=1; continue
  fi
  stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$po" 2>&1) || { echo "$po: $stats"; status=1; continue; }
  echo "$lang: $stats"
  case "$stats" in
    *untranslated*|*fuzzy*) echo "$po: incomplete"; status=1 ;;
  esac
  LC_ALL=C msgcmp --use-untranslated "$po" "$tmp/current.pot" || { echo "$po: does not cover the current sources (run ninja tessera-update-po)"; status=1; }
done
exit $status
