#!/usr/bin/env bash
# Regenerates every file in sounds/ from scratch with espeak-ng and sox.
# Output: 8 kHz, mono, 16-bit signed PCM WAV. Deterministic: sox runs with -R
# (repeatable dither seed) and espeak-ng has no randomness, so re-running this on
# the same tool versions yields byte-identical files.
set -euo pipefail

command -v espeak-ng >/dev/null || { echo "make-sounds: espeak-ng is required" >&2; exit 1; }
command -v sox >/dev/null || { echo "make-sounds: sox is required" >&2; exit 1; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/sounds"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$out/digits"
sox_out=(-r 8000 -c 1 -b 16 -e signed-integer)

# Speech: espeak-ng at its native rate, then resample, normalise to -3 dBFS and
# trim leading/trailing silence so digits run together naturally.
speak() { # text destination
  espeak-ng -v en-us -s 150 -w "$work/raw.wav" "$1"
  sox -R "$work/raw.wav" "${sox_out[@]}" "$2" \
    silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse pad 0 0.08 gain -n -3
}

speak "Parked on" "$out/parked-on.wav"
words=(zero one two three four five six seven eight nine)
for d in 0 1 2 3 4 5 6 7 8 9; do
  speak "${words[$d]}" "$out/digits/$d.wav"
done

# Courtesy beep: 200 ms of 1 kHz with soft edges.
sox -R -n "${sox_out[@]}" "$out/beep.wav" synth 0.2 sine 1000 fade h 0.01 0.2 0.02 gain -n -6

# Hold music: a slow I-vi-IV-V progression, twice round (8 bars of 3 s = 24 s).
# Each bar is a quiet sine pad under a plucked arpeggio and fades in and out, so
# the file loops without a click at the seam.
bar=0
chords=(
  "C3 E4 G4 C5 E5"
  "A2 C4 E4 A4 C5"
  "F2 A3 C4 F4 A4"
  "G2 B3 D4 G4 B4"
)
for round in 1 2; do
  for chord in "${chords[@]}"; do
    read -r bass n1 n2 n3 n4 <<<"$chord"
    sox -R -n "${sox_out[@]}" "$work/pad.wav" \
      synth 3 sine "$bass" sine "$n1" sine "$n2" remix - fade t 0.6 3 0.8 gain -n -20
    notes=("$n1" "$n2" "$n3" "$n4")
    if [ "$round" = 2 ]; then notes=("$n4" "$n3" "$n2" "$n1"); fi
    parts=()
    for i in 0 1 2 3; do
      sox -R -n "${sox_out[@]}" "$work/arp$i.wav" synth 0.75 pluck "${notes[$i]}" fade q 0.005 0.75 0.3
      parts+=("$work/arp$i.wav")
    done
    sox -R "${parts[@]}" "$work/arp.wav" gain -n -10
    sox -R -m "$work/pad.wav" "$work/arp.wav" "${sox_out[@]}" "$work/bar$(printf %02d $bar).wav" fade q 0.02 3 0.05
    bar=$((bar + 1))
  done
done
sox -R "$work"/bar*.wav "${sox_out[@]}" "$out/music.wav" gain -n -6

echo "make-sounds: wrote $(find "$out" -name '*.wav' | wc -l) files to $out"
