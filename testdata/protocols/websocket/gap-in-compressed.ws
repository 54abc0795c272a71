# permessage-deflate with context takeover: a gap inside the second message loses the shared window; later compressed messages cannot be inflated (each says so), an uncompressed one still can
# sec-websocket-extensions: permessage-deflate
> s2c 1000
\xc1\x1c\xaaVJ-K\xcd+Q\xb2R*\xc9L\xceV\xd2Q*K\xcc)MU\xb22\xac\x05\x00
> s2c 2000 gap=truncated:4
\xc1\x07\xaa\xc6!
> s2c 3000
\xc1\x06\xc2%c\\\x0b\x00
> s2c 4000
\x81\x0enot compressed
> s2c 5000
\xc1\x06\xc2%cR\x0b\x00

=== expect
message 0 s2c text complete compressed
  frames 1 wire 28 payload 26 kept 26 offsets 0 30 ts 1000 1000
  text "{\"event\":\"tick\",\"value\":1}"
message 1 s2c text incomplete compressed gap
  frames 1 wire 7 payload ? kept 0 offsets 30 39 ts 2000 2000
message 2 s2c text complete compressed
  frames 1 wire 6 payload ? kept 0 offsets 39 47 ts 3000 3000
  flaw 39 context-lost: cannot inflate: the shared window was lost (bytes of a compressed message were not captured)
message 3 s2c text complete
  frames 1 wire 14 payload 14 kept 14 offsets 47 63 ts 4000 4000
  text "not compressed"
message 4 s2c text complete compressed
  frames 1 wire 6 payload ? kept 0 offsets 63 71 ts 5000 5000
  flaw 63 context-lost: cannot inflate: the shared window was lost (bytes of a compressed message were not captured)
