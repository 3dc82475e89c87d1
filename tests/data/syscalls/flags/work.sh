#!/bin/bash
for i in 1 2 3; do ls /tmp/h2 > /dev/null; cat /etc/hostname >/dev/null; done
cat /nonexistent 2>/dev/null
( sleep 0.2 ) &
sleep 0.3
wait
