// Package kb is the knowledge base the bot answers from: a folder of
// Markdown or text documents, chunked into one passage per paragraph and
// language under its heading path, and indexed with BM25 (English words,
// Chinese character bigrams) after a small bilingual synonym lexicon. A
// search returns passages in the question's language and ranks those
// stating the kind of fact asked for (a price, a duration) first. The index
// is persisted beside the documents' data and rebuilt when the folder
// changes, without a restart. When an embeddings endpoint is configured,
// the top BM25 candidates are re-ranked by a hybrid of BM25 and cosine
// similarity.
//
// It does not phrase answers (package dialog does) and knows nothing of calls.
package kb
