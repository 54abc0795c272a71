# Python's websockets client (permessage-deflate, client_max_window_bits) to a ws server: text, binary, ping, close 1000
# captured: python-websockets.pcap, server port 43607, tcp.stream 0; the upgrade's heads are left out
# sec-websocket-extensions: permessage-deflate
> c2s 6072000
\xc1\x93\x17\xc7\x06f\xdd\x8f\xcb\xaf\xde\x90NM\xdd\x08SN\xbf\xeb\xcf\xae\xd8\xc4\x06
> s2c 10819000
\xc1\x13\xcaH\xcd\xc9\xc9WH+\xca\xcfU(\xa8,\xc9\xc8\xcf\x03\x00
> c2s 11173000
\xc2\x88\x00\xbb\xafQb\xdb\xcb\xab?\xa7\x9fQ
> s2c 11874000
\xc2\x08b`d\xfa?\x1c0\x00
> c2s 12102000
\xc1\x92\xc6\xb7\xb1\xc9\xfc\x0b\x96&6MU\n
\x1d\xe5\xbff\x92\xcf\x85\xae\xf4\xb7
> s2c 12828000
\xc1\x12:\xbc'\xef\xf0\xfa\xe4\xc3\xdbR\x0e\xafTx4g2\x00
> c2s 13100000
\xc1\x98\x8c8\xa6\x9b&n\x8c\xd5\xa1l\x14\xa9Xi\xec\xd2\xa0q\xf2)\xderb\x99\x18R\xa7\x9b
> s2c 13961000
\xc1\x18\xaaV*N-T\xb22\xd4QJI,IT\xb2RJ\xc4\x02\x94j\x01\x00
> c2s 14191000
\xc1\x87\xcd-\x02IO\x071km!\x02
> s2c 14762000
\xc1\x07\x82*3"\xa0\x0c\x00
> c2s 14953000
\x89\x87\xf9\xa9.\xd5\x89\xd0\x03\xa5\x90\xc7I
> s2c 15301000
\x8a\x07py-ping
> c2s 15734000
\x88\x85hX\xd1\tk\xb0\xb3p\r
> s2c 16280000
\x88\x05\x03\xe8bye
> end s2c 17083000
> end c2s 17216000

=== expect
message 0 c2s text complete compressed
  frames 1 wire 19 payload 17 kept 17 offsets 0 25 ts 6072000 6072000
  text "hello from python"
message 1 s2c text complete compressed
  frames 1 wire 19 payload 17 kept 17 offsets 0 21 ts 10819000 10819000
  text "hello from python"
message 2 c2s binary complete compressed
  frames 1 wire 8 payload 200 kept 200 offsets 25 39 ts 11173000 11173000
  bytes 000102ff000102ff000102ff000102ff… sha 9d87031b8bb238b3
message 3 s2c binary complete compressed
  frames 1 wire 8 payload 200 kept 200 offsets 21 31 ts 11874000 11874000
  bytes 000102ff000102ff000102ff000102ff… sha 9d87031b8bb238b3
message 4 c2s text complete compressed
  frames 1 wire 18 payload 15 kept 15 offsets 39 63 ts 12102000 12102000
  text "ünïcödé ✓"
message 5 s2c text complete compressed
  frames 1 wire 18 payload 15 kept 15 offsets 31 51 ts 12828000 12828000
  text "ünïcödé ✓"
message 6 c2s text complete compressed
  frames 1 wire 24 payload 39 kept 39 offsets 63 93 ts 13100000 13100000
  text "{\"seq\":1,\"data\":\"aaaaaaaaaaaaaaaaaaaa\"}"
message 7 s2c text complete compressed
  frames 1 wire 24 payload 39 kept 39 offsets 51 77 ts 13961000 13961000
  text "{\"seq\":1,\"data\":\"aaaaaaaaaaaaaaaaaaaa\"}"
message 8 c2s text complete compressed
  frames 1 wire 7 payload 39 kept 39 offsets 93 106 ts 14191000 14191000
  text "{\"seq\":2,\"data\":\"aaaaaaaaaaaaaaaaaaaa\"}"
message 9 s2c text complete compressed
  frames 1 wire 7 payload 39 kept 39 offsets 77 86 ts 14762000 14762000
  text "{\"seq\":2,\"data\":\"aaaaaaaaaaaaaaaaaaaa\"}"
message 10 c2s ping complete
  frames 1 wire 7 payload 7 kept 7 offsets 106 119 ts 14953000 14953000
  bytes 70792d70696e67 sha 1fc61732241adccd
message 11 s2c pong complete
  frames 1 wire 7 payload 7 kept 7 offsets 86 95 ts 15301000 15301000
  bytes 70792d70696e67 sha 1fc61732241adccd
message 12 c2s close complete
  frames 1 wire 5 payload 5 kept 5 offsets 119 130 ts 15734000 15734000
  close 1000 "bye"
message 13 s2c close complete
  frames 1 wire 5 payload 5 kept 5 offsets 95 102 ts 16280000 16280000
  close 1000 "bye"
