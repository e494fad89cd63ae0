#!/bin/sh
# Stop → playable for long recordings (issue 7 benchmark): makes N minutes of segments exactly as
# the recorder writes them (1280x720 25 fps libx264 veryfast zerolatency 2000k + AAC 128k,
# 2 s MPEG-TS segments), then times the finalize step (concat + copy remux + faststart) the
# server runs on "stop". Encoding the segments is faster than real time with ultrafast
# (the bitrate, hence the remux work, is the recorder's).
# Usage: tests/bench/finalize_rate.sh [minutes...]   (default: 1 10 30)
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for min in ${*:-1 10 30}; do
  dir="$work/$min"; mkdir -p "$dir"
  secs=$((min * 60))
  t0=$(date +%s.%N)
  ffmpeg -hide_banner -loglevel error -nostdin \
    -f lavfi -i "testsrc2=s=1280x720:r=25" -f lavfi -i "sine=frequency=440:sample_rate=48000" \
    -t "$secs" -map 0:v -map 1:a \
    -c:v libx264 -preset ultrafast -tune zerolatency -pix_fmt yuv420p -b:v 2000k -maxrate 2000k \
    -bufsize 4000k -g 50 -keyint_min 50 -sc_threshold 0 -c:a aac -b:a 128k -ar 48000 -ac 2 \
    -f segment -segment_time 2 -segment_format mpegts -reset_timestamps 0 "$dir/seg-000-%06d.ts"
  t1=$(date +%s.%N)
  (cd "$dir" && for f in seg-*.ts; do echo "file '$f'"; done > concat.txt)
  t2=$(date +%s.%N)
  ffmpeg -hide_banner -loglevel error -nostdin -f concat -safe 0 -i "$dir/concat.txt" -map 0 \
    -c copy -bsf:a aac_adtstoasc -movflags +faststart -f mp4 -y "$dir/replay.mp4"
  t3=$(date +%s.%N)
  dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$dir/replay.mp4")
  size=$(stat -c %s "$dir/replay.mp4")
  echo "$min min: $(ls "$dir" | grep -c '^seg-') segments, replay ${dur}s ${size} bytes;" \
    "stop→playable (finalize) $(echo "$t3 - $t2" | bc) s; (segments made in $(echo "$t1 - $t0" | bc) s)"
  rm -f "$dir"/seg-*.ts
done
