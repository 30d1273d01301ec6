module websvc.local/cluster/pause

go 1.22
