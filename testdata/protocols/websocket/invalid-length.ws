# a 64-bit length with its top bit set: the s2c framing is lost; c2s goes on
> s2c 1000
\x81\x04fine\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x01\x01\x02\x03
> s2c 2000
\x81\x0anever read
> c2s 3000
\x81\x8a7\xfa!=D\x8eHQ[\xdaSXV\x9e

=== expect
message 0 s2c text complete
  frames 1 wire 4 payload 4 kept 4 offsets 0 6 ts 1000 1000
  text "fine"
message 1 c2s text complete
  frames 1 wire 10 payload 10 kept 10 offsets 0 16 ts 3000 3000
  text "still read"
flaw s2c 6 invalid-length: a 64-bit payload length beyond 2^53 (or with its top bit set): the framing is lost
