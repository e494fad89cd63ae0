#!/bin/sh
# Stop → playable for long recordings (issue 7 benchmark). Encodes one minute as the recorder
# does (1280x720 25 fps libx264 zerolatency 2000 kbit/s + AAC 128 kbit/s; ultrafast here, only
# to make it quickly), loops it without re-encoding into N minutes of 2 s MPEG-TS segments
# with continuous timestamps (what a real N-minute recording leaves: same bytes per second,
# same file count),
# then times what the server does on "stop" (recording/finalize.rs): the segments joined end to
# end into one file per run, then a copy remux with +faststart into replay.mp4.
# Usage: tests/bench/finalize_rate.sh [minutes...]   (default: 1 10 30)
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src="$work/src"; mkdir -p "$src"
ffmpeg -hide_banner -loglevel error -nostdin \
  -f lavfi -i "testsrc2=s=1280x720:r=25" -f lavfi -i "sine=frequency=440:sample_rate=48000" \
  -t 60 -map 0:v -map 1:a \
  -c:v libx264 -preset ultrafast -tune zerolatency -pix_fmt yuv420p -b:v 2000k -maxrate 2000k \
  -bufsize 4000k -g 50 -keyint_min 50 -sc_threshold 0 -c:a aac -b:a 128k -ar 48000 -ac 2 \
  -f mpegts "$src/minute.ts"
for min in ${*:-1 10 30}; do
  dir="$work/$min"; mkdir -p "$dir"
  ffmpeg -hide_banner -loglevel error -nostdin -stream_loop $((min - 1)) -i "$src/minute.ts" \
    -map 0 -c copy -f segment -segment_time 2 -segment_format mpegts -reset_timestamps 0 \
    "$dir/seg-000-%06d.ts"
  n=$(ls "$dir" | grep -c '^seg-')
  t0=$(date +%s.%N)
  cat "$dir"/seg-*.ts > "$dir/run-000.ts"
  echo "file 'run-000.ts'" > "$dir/concat.txt"
  ffmpeg -hide_banner -loglevel error -nostdin -f concat -safe 0 -i "$dir/concat.txt" -map 0 \
    -c copy -bsf:a aac_adtstoasc -movflags +faststart -f mp4 -y "$dir/replay.mp4"
  t1=$(date +%s.%N)
  dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$dir/replay.mp4")
  size=$(stat -c %s "$dir/replay.mp4")
  echo "$min min: $n segments, replay ${dur} s, ${size} bytes: stop→playable $(echo "$t1 - $t0" | bc) s"
  rm -rf "$dir"
done
