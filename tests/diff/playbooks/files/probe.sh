#!/bin/sh
# used by 06-commands-more.yml: writes its first argument to the file named by the second
printf '%s\n' "$1" > "$2"
