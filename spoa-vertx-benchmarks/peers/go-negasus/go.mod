module ipscore-negasus

go 1.19

require github.com/negasus/haproxy-spoe-go v1.0.7
