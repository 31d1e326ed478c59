module github.com/ratmemcache/ratmemcache/server

go 1.26
