module github.com/ratmemcache/ratmemcache/bench

go 1.26
