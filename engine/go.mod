module github.com/ratmemcache/ratmemcache/engine

go 1.26
