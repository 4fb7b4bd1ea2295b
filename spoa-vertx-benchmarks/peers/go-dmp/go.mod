module ipscore-dmp

go 1.21

require github.com/dropmorepackets/haproxy-go v0.1.1
