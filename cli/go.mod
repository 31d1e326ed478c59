module github.com/ratmemcache/ratmemcache/cli

go 1.26.0

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/alecthomas/kong v1.17.0
	github.com/ratmemcache/ratmemcache/engine v0.0.0
	github.com/ratmemcache/ratmemcache/server v0.0.0
	golang.org/x/sys v0.50.0
)

require (
	github.com/pierrec/lz4/v4 v4.1.33 // indirect
	go.etcd.io/bbolt v1.5.0 // indirect
)

require (
	github.com/ratmemcache/ratmemcache/memproto v0.0.0
	github.com/ratmemcache/ratmemcache/persist v0.0.0
)

replace (
	github.com/ratmemcache/ratmemcache/engine => ../engine
	github.com/ratmemcache/ratmemcache/memproto => ../memproto
	github.com/ratmemcache/ratmemcache/server => ../server
)

replace github.com/ratmemcache/ratmemcache/persist => ../persist
