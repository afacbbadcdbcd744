#!/usr/bin/env bash
# Wallboard kiosk launcher: wait until the board answers, then replace this shell with a
# full-screen browser on it (run by wallboard-kiosk.service, which restarts it when it exits).
#
# Environment:
#   WALLBOARD_URL               the board (default http://127.0.0.1:8080, nginx in
#                               docker-compose); a scene path or a query may be given
#   WALLBOARD_BROWSER           browser executable (default: chromium, chromium-browser or
#                               google-chrome, the first on PATH)
#   WALLBOARD_BROWSER_ARGS      extra browser arguments, split on whitespace
#   WALLBOARD_HEALTH_TIMEOUT_S  give up after this many seconds (default 300); the unit then
#                               restarts the script
set -euo pipefail

url=${WALLBOARD_URL:-http://127.0.0.1:8080}
timeout_s=${WALLBOARD_HEALTH_TIMEOUT_S:-300}

browser=${WALLBOARD_BROWSER:-}
if [[ -z "$browser" ]]; then
  for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null; then
      browser=$candidate
      break
    fi
  done
fi
if [[ -z "$browser" ]] || ! command -v "$browser" >/dev/null; then
  echo "wallboard-kiosk: no browser found (set WALLBOARD_BROWSER)" >&2
  exit 1
fi

# /healthz is served at the root, whatever scene path the URL names.
if [[ ! "$url" =~ ^(https?://[^/?#]+) ]]; then
  echo "wallboard-kiosk: WALLBOARD_URL must be an http(s) URL, got '$url'" >&2
  exit 1
fi
origin=${BASH_REMATCH[1]}
health_url="$origin/healthz"
if [[ "$url" == *\?* ]]; then
  kiosk_url="$url&kiosk=1"
elif [[ "${url%/}" == "$origin" ]]; then
  kiosk_url="$origin/?kiosk=1"
else
  kiosk_url="$url?kiosk=1"
fi

# Wait for the board rather than show the browser's error page: after a power cut the screen
# usually boots faster than the servers. curl prints 000 when nothing answered.
echo "wallboard-kiosk: waiting for $health_url (up to ${timeout_s} s)" >&2
deadline=$((SECONDS + timeout_s))
code=000
until code=$(curl -s --max-time 3 -o /dev/null -w '%{http_code}' "$health_url") \
  && [[ "$code" == 200 ]]; do
  if ((SECONDS >= deadline)); then
    echo "wallboard-kiosk: $health_url did not answer 200 within ${timeout_s} s" \
      "(last answer: ${code:-000})" >&2
    exit 1
  fi
  sleep 2
done

# A profile of its own, in tmpfs when the session has a runtime dir: nothing shared with a
# desktop browser. Incognito keeps nothing from one run to the next, so a crash leaves no
# "restore pages?" prompt on the wall.
profile_dir="${XDG_RUNTIME_DIR:-/tmp}/wallboard-kiosk-$(id -u)"
[[ -d "$profile_dir" ]] || mkdir -m 700 "$profile_dir"
if [[ ! -O "$profile_dir" ]]; then
  echo "wallboard-kiosk: $profile_dir belongs to another user" >&2
  exit 1
fi

read -r -a extra_args <<<"${WALLBOARD_BROWSER_ARGS:-}"

echo "wallboard-kiosk: starting $browser on $kiosk_url" >&2
# --password-store=basic: no desktop keyring prompt on a screen nobody types at.
exec "$browser" \
  --kiosk \
  --noerrdialogs \
  --disable-infobars \
  --disable-session-crashed-bubble \
  --no-first-run \
  --disable-features=Translate \
  --check-for-update-interval=31536000 \
  --incognito \
  --password-store=basic \
  --user-data-dir="$profile_dir" \
  "${extra_args[@]}" \
  "$kiosk_url"
