package record

import "time"

// DialplanVersion is one revision of the dialplan YAML that went live.
type DialplanVersion struct {
	Number int       // assigned when stored, from 1
	Hash   string    // content hash; hex sha256 of Source if left empty
	At     time.Time // when it was stored; now if left zero
	Who    string    // who loaded it (user, "startup", "file change")
	Source []byte    // the YAML as loaded
	File   string    // file it was read from
}
