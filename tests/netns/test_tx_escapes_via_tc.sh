#!/usr/bin/env bash
# vmsteer-test: parallel 25
# The cases of test_tx_escapes.sh with every port added with --tx-hook tc: the tap
# tc program alone (test_tx_escapes.sh itself runs them on the XDP hook).
TX_HOOK=tc exec bash "$(dirname "$0")/test_tx_escapes.sh"
