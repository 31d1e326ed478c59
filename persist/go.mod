module github.com/ratmemcache/ratmemcache/persist

go 1.26
