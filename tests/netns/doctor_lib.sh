# Helpers of the doctor tests (test_doctor.sh, test_doctor_net.sh), sourced
# after lib.sh's lib_init: they read the findings of `doctor --json` that
# the file's own doctor() wrote to $DOC.
DOC=$TMPD/doctor.json
# level CHECK OBJECT: the level doctor gives that finding ("none": absent).
level() {
	jq -r --arg c "$1" --arg o "$2" \
		'[.findings[] | select(.check == $c and .object == $o) | .level] | first // "none"' "$DOC"
}
# message CHECK OBJECT: that finding's message.
message() {
	jq -r --arg c "$1" --arg o "$2" \
		'[.findings[] | select(.check == $c and .object == $o) | .message] | first // ""' "$DOC"
}
# expect_level CASE CHECK OBJECT WANT [TEXT]: the finding has level WANT
# (and its message contains TEXT).
expect_level() {
	local got msg
	got=$(level "$2" "$3")
	msg=$(message "$2" "$3")
	if [ "$got" = "$4" ] && [[ $msg == *"${5:-}"* ]]; then
		ok "$1"
	else
		fail "$1" "$2 $3: $got '$msg', expected $4 '${5:-}' ($(jq -c --arg c "$2" '.findings[] | select(.check == $c)' "$DOC" | head -3))"
	fi
}
