// Package kb is the knowledge base the bot answers from: a folder of
// Markdown or text documents, chunked by headings and paragraphs and
// indexed with BM25 (English words, Chinese character bigrams). The index
// is persisted beside the documents' data and rebuilt when the folder
// changes, without a restart. When an embeddings endpoint is configured,
// the top BM25 candidates are re-ranked by a hybrid of BM25 and cosine
// similarity.
//
// It does not phrase answers (package dialog does) and knows nothing of calls.
package kb
