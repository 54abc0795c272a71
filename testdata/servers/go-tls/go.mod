module tinytap.test/go-tls

go 1.19
