// ip-score SPOA benchmark agent on github.com/dropmorepackets/haproxy-go v0.1.1 (spop).
// Message check-client-ip(ip) -> set-var(sess.ip_score, int32 in 0..99).
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"strconv"

	"github.com/dropmorepackets/haproxy-go/pkg/encoding"
	"github.com/dropmorepackets/haproxy-go/spop"
)

// score: FNV-1a 32 over the raw IP bytes (4 for IPv4, 16 for IPv6), mod 100.
func score(b []byte) int32 {
	h := uint32(2166136261)
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return int32(h % 100)
}

// The library calls this once per message in a NOTIFY frame.
func handle(_ context.Context, w *encoding.ActionWriter, m *encoding.Message) {
	if string(m.NameBytes()) != "check-client-ip" {
		return
	}
	k := encoding.AcquireKVEntry()
	defer encoding.ReleaseKVEntry(k)
	for m.KV.Next(k) {
		if !k.NameEquals("ip") {
			continue
		}
		if t := k.Type(); t != encoding.DataTypeIPV4 && t != encoding.DataTypeIPV6 {
			continue
		}
		_ = w.SetInt32(encoding.VarScopeSession, "ip_score", score(k.ValueBytes()))
	}
}

func main() {
	port := flag.Int("p", 12345, "listen port (127.0.0.1)")
	flag.Parse()
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(*port))
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("ip-score (dropmorepackets) listening on %s", l.Addr())
	a := spop.Agent{Handler: spop.HandlerFunc(handle)}
	log.Fatal(a.Serve(l))
}
