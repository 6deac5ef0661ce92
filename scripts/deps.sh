#!/usr/bin/env bash
# Installs the Debian packages hotline needs, only those that are missing.
#   scripts/deps.sh run    → what `make run` needs (espeak-ng, PocketSphinx, libopus)
#   scripts/deps.sh test   → what `make test` / `make bench` need (sipp, baresip, sox, …)
set -euo pipefail
want=(espeak-ng:espeak-ng pocketsphinx_continuous:pocketsphinx)
if [ "${1:-run}" = test ]; then
  want+=(sipp:sip-tester baresip:baresip sox:sox chromium:chromium)
fi
# Chinese pages are looked at in screenshots: Chromium needs a CJK font to draw them.
if [ "${1:-run}" = test ] && ! ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1; then
  missing_fonts=fonts-noto-cjk
fi
missing=(${missing_fonts:-})
for pair in "${want[@]}"; do
  cmd=${pair%%:*} pkg=${pair##*:}
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
# Opus is compiled in through cgo against libopus.
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists opus 2>/dev/null || missing+=(libopus-dev)
# The embedded recognizer's English model is a data package, not a command.
[ -d /usr/share/pocketsphinx/model/en-us ] || missing+=(pocketsphinx-en-us)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root (or sudo) to run: apt-get install ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
