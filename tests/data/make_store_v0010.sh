#!/usr/bin/env bash
# Rebuild tests/data/store_v0010.db: a store written by svodka at commit d65fb8d (schema through migration
# 0010, before the platform-neutral ids of 0012), which tests/sqlite/test_sqlite_store_v0010.py opens with today's code.
# Run it from the repository root with THAT commit's code on the path, e.g.
#   git worktree add /tmp/v0010 d65fb8d && PYTHONPATH=/tmp/v0010/src bash tests/data/make_store_v0010.sh
set -euo pipefail
OUT=${OUT:-tests/data/store_v0010.db}
DATA=${DATA:-../shared/data}
PY=${PY:-python}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f "$OUT" "$OUT-wal" "$OUT-shm"
sv() { "$PY" -m svodka --db "$OUT" --config "$tmp/svodka.toml" "$@"; }
printf '[pipeline]\nembedder = "use"\n' >"$tmp/svodka.toml"
# every fourth post of the bundled day (24 channels)
awk 'NR % 4 == 1' samples/tg_ru_news_2024-12-02.jsonl >"$tmp/day.jsonl"
# a relay channel whose posts forward stored posts by (channel id, message id): forwards linked to origins
"$PY" - "$tmp/day.jsonl" "$tmp/relay.jsonl" <<'PY'
import json, sys
src, out = sys.argv[1], sys.argv[2]
rows = [json.loads(line) for line in open(src, encoding="utf-8")]
picked = [r for r in rows if len(r["text"]) > 200][:12:2]
with open(out, "w", encoding="utf-8") as f:
    for i, r in enumerate(picked):
        rec = {"message_id": 500 + i, "sender_id": -1009990001111, "channel": "Relay News",
               "date": r["date"].replace("+00:00", "") , "text": r["text"],
               "fwd_from": {"channel_id": r["sender_id"], "channel_post": r["message_id"],
                            "from_name": r["channel"]}}
        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
PY
sv import "$tmp/day.jsonl"
sv import "$tmp/relay.jsonl"
# a slice of a real Telegram Desktop export: its 27 forwards (forwarded_from + forwarded_from_id, no message
# ids) and the first 15 other messages, the export's structure kept
"$PY" - "$DATA/tg_desktop_export_samples/uponthepathofsalaf_result.json" "$tmp/result.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
others = [m for m in d["messages"] if "forwarded_from" not in m][:15]
d["messages"] = [m for m in d["messages"] if "forwarded_from" in m or m in others]
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
sv import "$tmp/result.json"
sv process
sv channels add t.me/s/bbcrussian https://meduza.io/rss/all --group live --tier 2
"$PY" - "$OUT" <<'PY'
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
conn.execute("PRAGMA journal_mode = DELETE")
conn.execute("VACUUM")
conn.close()
PY
ls -l "$OUT"
