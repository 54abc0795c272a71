# permessage-deflate with server_no_context_takeover: a gap inside the second message costs that message only; the ones after it inflate
# sec-websocket-extensions: permessage-deflate; server_no_context_takeover
> s2c 1000
\xc1\x1c\xaaVJ-K\xcd+Q\xb2R*\xc9L\xceV\xd2Q*K\xcc)MU\xb22\xac\x05\x00
> s2c 2000 gap=truncated:25
\xc1\x1c\xaaVJ
> s2c 3000
\xc1\x1c\xaaVJ-K\xcd+Q\xb2R*\xc9L\xceV\xd2Q*K\xcc)MU\xb22\xae\x05\x00
> s2c 4000
\x81\x0enot compressed
> s2c 5000
\xc1\x1c\xaaVJ-K\xcd+Q\xb2R*\xc9L\xceV\xd2Q*K\xcc)MU\xb22\xa9\x05\x00

=== expect
message 0 s2c text complete compressed
  frames 1 wire 28 payload 26 kept 26 offsets 0 30 ts 1000 1000
  text "{\"event\":\"tick\",\"value\":1}"
message 1 s2c text incomplete compressed gap
  frames 1 wire 28 payload ? kept 0 offsets 30 60 ts 2000 2000
message 2 s2c text complete compressed
  frames 1 wire 28 payload 26 kept 26 offsets 60 90 ts 3000 3000
  text "{\"event\":\"tick\",\"value\":3}"
message 3 s2c text complete
  frames 1 wire 14 payload 14 kept 14 offsets 90 106 ts 4000 4000
  text "not compressed"
message 4 s2c text complete compressed
  frames 1 wire 28 payload 26 kept 26 offsets 106 136 ts 5000 5000
  text "{\"event\":\"tick\",\"value\":4}"
