module firesight.example/go-shop

go 1.19
