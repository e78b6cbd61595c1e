#!/usr/bin/env bash
# vmsteer-test: parallel 34
# The cases of test_tx.sh with every port added with --tx-hook tc: the tap
# tc program alone (test_tx.sh itself runs them on the XDP hook).
TX_HOOK=tc exec bash "$(dirname "$0")/test_tx.sh"
