# protocol errors, each a flaw where it was found, and parsing goes on
# an unmasked client frame
> c2s 1000
\x81\x18unmasked from the client
# a reserved opcode (3), skipped
> c2s 2000
\x83\x837\xfa!=O\x83[
# a ping of 126 bytes, too long for a control frame
> c2s 3000
\x89\xfe\x00~7\xfa!=V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b@\\V\x9b
# a ping without FIN
> c2s 4000
\x09\x817\xfa!=G
# a continuation with nothing to continue, skipped
> c2s 5000
\x80\x867\xfa!=X\x88QUV\x94
# RSV2 set without any extension
> c2s 6000
\xa2\x817\xfa!=>
# a fragmented text interrupted by a new binary message
> c2s 7000
\x01\x8a7\xfa!=Q\x93SNC\xdaI\\[\x9c\x82\x827\xfa!=6\xf8
# text that is not UTF-8 (a lone continuation byte, then an overlong encoding)
> c2s 8000
\x81\x847\xfa!=Vz\xe1\x92
# a 1-byte close payload
> c2s 9000
\x88\x817\xfa!=4
# more after the close: a close with code 1005 (never sent) and a reason that is not UTF-8
> c2s 10000
\x88\x827\xfa!=4\x17
> c2s 11000
\x88\x847\xfa!=4\x12\xde\xc3
# a masked server frame (unmasked all the same)
> s2c 12000
\x81\x947\xfa!=Z\x9bRVR\x9e\x01_N\xdaUUR\xdaRXE\x8cDO
# RSV1 without permessage-deflate
> s2c 13000
\xc1\x04rsv1
# a text message whose UTF-8 character is split between two fragments (valid)
> s2c 14000
\x01\x03a\xe2\x9c\x80\x02\x93b
# a text message ending inside a character (invalid)
> s2c 15000
\x81\x03a\xe2\x9c

=== expect
message 0 c2s text complete
  frames 1 wire 24 payload 24 kept 24 offsets 0 26 ts 1000 1000
  text "unmasked from the client"
  flaw 0 unmasked-client-frame: a client frame without a masking key
message 1 c2s ping complete
  frames 1 wire 126 payload 126 kept 126 offsets 35 169 ts 3000 3000
  bytes 61616161616161616161616161616161… sha 36bcf9292589fe6e
  flaw 35 control-frame-too-long: a control frame of 126 bytes (at most 125)
message 2 c2s ping complete
  frames 1 wire 1 payload 1 kept 1 offsets 169 176 ts 4000 4000
  bytes 70 sha 148de9c5a7a44d19
  flaw 169 fragmented-control-frame: a control frame without FIN
message 3 c2s binary complete
  frames 1 wire 1 payload 1 kept 1 offsets 188 195 ts 6000 6000
  bytes 09 sha 2b4c342f5433ebe5
  flaw 188 reserved-bits: RSV bits 010 that no negotiated extension defines
message 4 c2s text incomplete
  frames 1 wire 10 payload 10 kept 10 offsets 195 211 ts 7000 7000
  text "first half"
  flaw 211 interrupted-message: a new message began before this one had its final frame
message 5 c2s binary complete
  frames 1 wire 2 payload 2 kept 2 offsets 211 219 ts 7000 7000
  bytes 0102 sha a12871fee210fb86
message 6 c2s text complete
  frames 1 wire 4 payload 4 kept 4 offsets 219 229 ts 8000 8000
  bytes 6180c0af sha d613b040db0fa878
  flaw 219 invalid-utf8: a text message that is not UTF-8
message 7 c2s close complete
  frames 1 wire 1 payload 1 kept 1 offsets 229 236 ts 9000 9000
  close -
  flaw 229 invalid-close: a close payload of 1 byte (a code takes 2)
message 8 c2s close complete
  frames 1 wire 2 payload 2 kept 2 offsets 236 244 ts 10000 10000
  close 1005
  flaw 236 invalid-close: close code 1005 may not be sent
message 9 c2s close complete
  frames 1 wire 4 payload 4 kept 4 offsets 244 254 ts 11000 11000
  close 1000
  flaw 244 invalid-utf8: the close reason is not UTF-8
message 10 s2c text complete
  frames 1 wire 20 payload 20 kept 20 offsets 0 26 ts 12000 12000
  text "masked by the server"
  flaw 0 masked-server-frame: a server frame with a masking key
message 11 s2c text complete
  frames 1 wire 4 payload 4 kept 4 offsets 26 32 ts 13000 13000
  text "rsv1"
  flaw 26 reserved-bits: RSV bits 100 that no negotiated extension defines
message 12 s2c text complete
  frames 2 wire 5 payload 5 kept 5 offsets 32 41 ts 14000 14000
  text "a✓b"
message 13 s2c text complete
  frames 1 wire 3 payload 3 kept 3 offsets 41 46 ts 15000 15000
  bytes 61e29c sha 14d5c0956dd0c8d6
  flaw 41 invalid-utf8: a text message that is not UTF-8
flaw c2s 26 reserved-opcode: a frame with the reserved opcode 3: skipped
flaw c2s 176 unexpected-continuation: a continuation frame with no message to continue: skipped
flaw c2s 236 data-after-close: frames after this direction sent a close frame
