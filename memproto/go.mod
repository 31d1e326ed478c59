module github.com/ratmemcache/ratmemcache/memproto

go 1.26
