module github.com/ratmemcache/ratmemcache/server

go 1.26

require (
	github.com/ratmemcache/ratmemcache/engine v0.0.0
	github.com/ratmemcache/ratmemcache/memproto v0.0.0
)

require github.com/bradfitz/gomemcache v0.0.0-20260422231931-4d751bb6e37c

replace (
	github.com/ratmemcache/ratmemcache/engine => ../engine
	github.com/ratmemcache/ratmemcache/memproto => ../memproto
)
