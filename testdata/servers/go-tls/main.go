// A Go net/http program for the TLS capture tests: a TLS server that logs every exchange it
// answers, and a client that fetches URLs over one keep-alive connection. Both write their TLS
// secrets to $SSLKEYLOGFILE when it is set, so tshark can decrypt the same traffic.
//
//	go-tls serve ADDR CERT KEY     log one JSON line per request on stdout
//	go-tls get CA URL...           GET each URL (POST when the URL ends in "?post"), print one JSON line each
package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

func keyLog() io.Writer {
	if path := os.Getenv("SSLKEYLOGFILE"); path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0600)
		if err == nil {
			return f
		}
	}
	return nil
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// The body a path gets: its own text, repeated a number of times that depends on the path.
func bodyFor(path string) []byte {
	n := 1 + len(path)*37%200
	return bytes.Repeat([]byte("go answers "+path+"\n"), n)
}

func serve(addr, cert, key string) {
	enc := json.NewEncoder(os.Stdout)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := io.ReadAll(r.Body)
		body := bodyFor(r.URL.Path)
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
		enc.Encode(map[string]any{"method": r.Method, "path": r.URL.RequestURI(), "status": 200, "requestSha": sum(req), "responseSha": sum(body), "client": r.RemoteAddr})
	})
	srv := &http.Server{Addr: addr, Handler: handler, TLSConfig: &tls.Config{KeyLogWriter: keyLog(), NextProtos: []string{"http/1.1"}}}
	fmt.Fprintln(os.Stderr, srv.ListenAndServeTLS(cert, key))
	os.Exit(1)
}

func get(ca string, urls []string) {
	pem, err := os.ReadFile(ca)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, KeyLogWriter: keyLog()}, MaxIdleConnsPerHost: 1}}
	enc := json.NewEncoder(os.Stdout)
	for _, u := range urls {
		var resp *http.Response
		if strings.HasSuffix(u, "?post") {
			resp, err = client.Post(u, "text/plain", strings.NewReader(strings.Repeat("go posts\n", 50)))
		} else {
			resp, err = client.Get(u)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		enc.Encode(map[string]any{"url": u, "status": resp.StatusCode, "responseSha": sum(b)})
	}
}

func main() {
	if len(os.Args) >= 5 && os.Args[1] == "serve" {
		serve(os.Args[2], os.Args[3], os.Args[4])
	} else if len(os.Args) >= 4 && os.Args[1] == "get" {
		get(os.Args[2], os.Args[3:])
	} else {
		fmt.Fprintln(os.Stderr, "usage: go-tls serve ADDR CERT KEY | go-tls get CA URL...")
		os.Exit(2)
	}
}
