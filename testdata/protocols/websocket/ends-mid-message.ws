# the streams end inside messages: c2s after the first fragment, s2c inside a payload; both handed out incomplete
> c2s 1000
\x01\x887\xfa!=G\x9bSI\x17\x95OX
> s2c 2000
\x82(\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07
> end c2s 3000
> end s2c 3000

=== expect
message 0 c2s text incomplete
  frames 1 wire 8 payload 8 kept 8 offsets 0 14 ts 1000 1000
  text "part one"
message 1 s2c binary incomplete
  frames 1 wire 10 payload 10 kept 10 offsets 0 12 ts 2000 2000
  bytes 07070707070707070707 sha bf52943413e4b2e6
