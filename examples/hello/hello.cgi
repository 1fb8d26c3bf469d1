#!/bin/sh
# examples/hello as a CGI script: point a CGI server (lighttpd's mod_cgi, Apache's mod_cgi) at it.
# tsx and @tsgi/core resolve from the repository's node_modules, found from this directory.
cd "$(dirname "$0")" || exit 1
exec node --conditions=tsgi-source --import tsx ./cgi.ts
