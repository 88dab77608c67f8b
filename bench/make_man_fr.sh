#!/bin/sh
# Builds bench/run.py's default corpus, man-fr: the French manual pages of
# Debian's manpages-fr and manpages-fr-dev, rendered to plain UTF-8 text, one
# file per page (man/NAME.SECTION.txt), as a tarball.
#
#   bench/make_man_fr.sh              # writes bench/corpora/man-fr.tar.xz
#   bench/make_man_fr.sh OUT.tar.xz   # or there
#
# Needs apt-get (a Debian or Ubuntu system: the packages are downloaded, not
# installed, so no root), dpkg-deb, groff (apt-get install groff) and xz.
# The pages depend on the distribution's manpages-fr version (4.18.1 on
# Debian 12): say which when publishing figures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/corpora/man-fr.tar.xz}
for tool in apt-get dpkg-deb groff xz; do
  command -v "$tool" >/dev/null || { echo "make_man_fr.sh: $tool not found" >&2; exit 1; }
done
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download manpages-fr manpages-fr-dev >/dev/null
for deb in *.deb; do dpkg-deb -x "$deb" root; done
mkdir man
find root -path '*man/fr/*' -name '*.gz' | while read -r page; do
  name=$(basename "$page" .gz)
  zcat "$page" | groff -k -Tutf8 -mandoc -rHY=0 -rLL=90n -P-cbou 2>/dev/null > "man/$name.txt"
done
tar -cJf "$out" man
echo "wrote $out ($(ls man | wc -l) pages, $(dpkg-deb -f manpages-fr_*.deb Version))"
