// ip-score SPOA benchmark agent on github.com/negasus/haproxy-spoe-go v1.0.7.
// Message check-client-ip(ip) -> set-var(sess.ip_score, int32 in 0..99).
package main

import (
	"flag"
	"log"
	"net"
	"strconv"

	"github.com/negasus/haproxy-spoe-go/action"
	"github.com/negasus/haproxy-spoe-go/agent"
	"github.com/negasus/haproxy-spoe-go/logger"
	"github.com/negasus/haproxy-spoe-go/request"
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

func handler(req *request.Request) {
	m, err := req.Messages.GetByName("check-client-ip")
	if err != nil {
		return
	}
	v, ok := m.KV.Get("ip")
	if !ok {
		return
	}
	ip, ok := v.(net.IP)
	if !ok {
		return
	}
	if ip4 := ip.To4(); ip4 != nil && len(ip) != net.IPv6len {
		ip = ip4
	}
	req.Actions.SetVar(action.ScopeSession, "ip_score", score(ip))
}

func main() {
	port := flag.Int("p", 12345, "listen port (127.0.0.1)")
	flag.Parse()
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(*port))
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("ip-score (negasus) listening on %s", l.Addr())
	log.Fatal(agent.New(handler, logger.NewNop()).Serve(l))
}
