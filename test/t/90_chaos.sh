#!/bin/sh
# 90_chaos.sh — the short form of test/chaos.sh inside `make test`:
# 1,000 messages, 3 kill -9, 1 immediate restart, all simulator faults.
CHAOS_MESSAGES=${CHAOS_MESSAGES:-1000} CHAOS_KILLS=${CHAOS_KILLS:-3} CHAOS_RESTARTS=${CHAOS_RESTARTS:-1} \
CHAOS_MINUTES=${CHAOS_MINUTES:-2} . "$FC_REPO/test/chaos.sh"
