# a gap that takes bytes of a frame header: the s2c framing is lost (a flaw), its later bytes stay raw; c2s goes on
> s2c 1000 gap=zerocopy:3
\x81\x06before\x81
> s2c 2000
ter the gap
> c2s 3000
\x81\x8e7\xfa!=T\x96HXY\x8e\x01TD\xdaGTY\x9f

=== expect
message 0 s2c text complete
  frames 1 wire 6 payload 6 kept 6 offsets 0 8 ts 1000 1000
  text "before"
message 1 c2s text complete
  frames 1 wire 14 payload 14 kept 14 offsets 0 20 ts 3000 3000
  text "client is fine"
flaw s2c 9 gap-in-header: bytes not captured where a frame header was: the framing is lost
