#!/usr/bin/env bash
# Prepares a machine to run callpark's tests: the Debian tools the SIP/RTP tests drive
# (installed only when one is missing), then the exact npm dependencies.
# Idempotent: on a prepared machine it only runs `npm ci`.
set -euo pipefail

cd "$(dirname "$0")/.."

# command → Debian package that provides it
declare -A PACKAGE_FOR=(
  [sipp]=sip-tester
  [baresip]=baresip-core
  [tshark]=tshark
  [sox]=sox
  [espeak-ng]=espeak-ng
  [ip]=iproute2
  [ps]=procps
  [timeout]=coreutils
)

missing=()
for command in "${!PACKAGE_FOR[@]}"; do
  if ! command -v "$command" >/dev/null 2>&1; then
    missing+=("${PACKAGE_FOR[$command]}")
  fi
done
# sox reads MP3/other formats only with its format plugins.
if command -v sox >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1 \
  && ! dpkg-query -W -f='${Status}' libsox-fmt-all 2>/dev/null | grep -q 'install ok installed'; then
  missing+=(libsox-fmt-all)
fi

if ((${#missing[@]} > 0)); then
  packages=(sip-tester baresip-core tshark sox libsox-fmt-all espeak-ng iproute2 procps)
  echo "setup: missing ${missing[*]}; installing Debian packages: ${packages[*]}"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: apt-get not found; install these by hand: ${packages[*]}" >&2
    exit 1
  fi
  sudo_cmd=()
  if [[ "$(id -u)" -ne 0 ]]; then
    sudo_cmd=(sudo)
  fi
  "${sudo_cmd[@]}" apt-get update
  # tshark asks whether non-root users may capture; answer no without a prompt.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | "${sudo_cmd[@]}" debconf-set-selections 2>/dev/null || true
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
else
  echo "setup: Debian test tools present (sipp, baresip, tshark, sox, espeak-ng, ip, ps)"
fi

npm ci
