module github.com/ratmemcache/ratmemcache/persist

go 1.26

require (
	github.com/pierrec/lz4/v4 v4.1.33
	github.com/ratmemcache/ratmemcache/engine v0.0.0
	go.etcd.io/bbolt v1.5.0
)

require golang.org/x/sys v0.45.0 // indirect

replace github.com/ratmemcache/ratmemcache/engine => ../engine
