# gaps inside payloads: the frame end is still known, the message is incomplete and keeps what came before the gap; masking goes on at the right key byte
# c2s: a masked text frame of 25 bytes of which 13 are captured, then a masked binary frame whole
> c2s 1000 gap=truncated:12
\x81\x997\xfa!=_\x9fMQX\xdaVRE\x96E\x11\x17
> c2s 2000
\x82\x887\xfa!=6\xf8"92\xfc&5
# s2c: the first 10 payload bytes captured, then 12 moved uncaptured (records lost), then the rest
> s2c 3000
\x81 the server
> s2c 4000 lost=12
a lot here
> s2c 5000
\x81\x02ok

=== expect
message 0 c2s text incomplete gap
  frames 1 wire 25 payload 25 kept 13 offsets 0 31 ts 1000 1000
  text "hello world, "
message 1 c2s binary complete
  frames 1 wire 8 payload 8 kept 8 offsets 31 45 ts 2000 2000
  bytes 0102030405060708 sha 66840dda154e8a11
message 2 s2c text incomplete gap
  frames 1 wire 32 payload 22 kept 10 offsets 0 34 ts 3000 4000
  text "the server"
message 3 s2c text complete
  frames 1 wire 2 payload 2 kept 2 offsets 34 38 ts 5000 5000
  text "ok"
