module github.com/ratmemcache/ratmemcache/cli

go 1.26.0

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/alecthomas/kong v1.17.0
	github.com/ratmemcache/ratmemcache/engine v0.0.0
	github.com/ratmemcache/ratmemcache/server v0.0.0
	golang.org/x/sys v0.50.0
)

require github.com/ratmemcache/ratmemcache/memproto v0.0.0

replace (
	github.com/ratmemcache/ratmemcache/engine => ../engine
	github.com/ratmemcache/ratmemcache/memproto => ../memproto
	github.com/ratmemcache/ratmemcache/server => ../server
)
