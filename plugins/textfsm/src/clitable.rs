//! The clitable `index`: which template(s) parse which platform's command.
//!
//! The index is a comma-separated table (`Template, Hostname, Platform, Command`): `#` lines
//! are comments, the first real line is the header, rows with the wrong number of columns
//! are ignored (as clitable does), every column but `Template` is a regex matched at the
//! start of the attribute, and `sh[[ow]]` in `Command` accepts `sh`, `sho` and `show`. The
//! first matching row wins. A row may chain templates with `:`; their results are joined on
//! the first template's `Key` values.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::fsm;
use crate::pyre::{self, Pattern};
use crate::record::{JoinError, Record, Table};
use crate::template::{self, Template};

/// Why a lookup or a parse through the index failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The index or a template file could not be read.
    #[error("read {path}: {source}")]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The index itself is malformed.
    #[error("index {path}: line {line}: {message}")]
    Index {
        /// The index file (or `<memory>`).
        path: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// No row of the index matches the platform and command.
    #[error("no template for {platform} / {command}")]
    NoTemplate {
        /// The platform asked for.
        platform: String,
        /// The command asked for.
        command: String,
    },
    /// A template named by the index does not compile.
    #[error(transparent)]
    Template(#[from] template::Error),
    /// The output hit an `Error` rule (or a regex gave up).
    #[error(transparent)]
    Parse(#[from] fsm::Error),
    /// Chained templates could not be joined.
    #[error(transparent)]
    Join(#[from] JoinError),
}

/// One data row of the index.
#[derive(Debug, Clone)]
pub struct Row {
    /// Template file names, in chain order.
    pub templates: Vec<String>,
    /// (column name, compiled regex) for every non-empty, non-`Template` column.
    columns: Vec<(String, Pattern)>,
}

/// A parsed index file.
#[derive(Debug, Clone)]
pub struct Index {
    /// Data rows in file order (first match wins).
    pub rows: Vec<Row>,
}

/// Expands clitable's `abc[[xyz]]` to `abc(x(y(z)?)?)?`.
pub fn expand_completion(command: &str) -> String {
    // clitable's own pattern, so odd inputs (`[[]]]`) expand exactly as it would.
    let Ok(re) = regex::Regex::new(r"\[\[.+?\]\]") else {
        return command.to_string();
    };
    re.replace_all(command, |caps: &regex::Captures<'_>| {
        let m = &caps[0];
        let word: Vec<String> = m[2..m.len() - 2].chars().map(String::from).collect();
        format!("({}{}", word.join("("), ")?".repeat(word.len()))
    })
    .into_owned()
}

impl Index {
    /// Parses index text; `path` only names the file in errors.
    pub fn parse(path: &str, text: &str) -> Result<Index, Error> {
        let mut lines = text.lines().enumerate();
        let header: Vec<String> = loop {
            let Some((_, line)) = lines.next() else {
                return Err(Error::Index {
                    path: path.to_string(),
                    line: 0,
                    message: "no header line".to_string(),
                });
            };
            let h = line.split('#').next().unwrap_or("").trim();
            if !h.is_empty() {
                break h.split(',').map(|c| c.trim().to_string()).collect();
            }
        };
        let template_col =
            header
                .iter()
                .position(|h| h == "Template")
                .ok_or_else(|| Error::Index {
                    path: path.to_string(),
                    line: 0,
                    message: "index file does not have 'Template' column".to_string(),
                })?;
        let mut rows = Vec::new();
        for (n, line) in lines {
            if line.starts_with('#') {
                continue;
            }
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            if cells.len() != header.len() {
                // clitable silently drops rows with the wrong number of columns (blank lines too).
                continue;
            }
            let mut columns = Vec::new();
            for (i, cell) in cells.iter().enumerate() {
                if i == template_col || cell.is_empty() {
                    continue;
                }
                let src = if header[i] == "Command" {
                    expand_completion(cell)
                } else {
                    cell.to_string()
                };
                let re = Pattern::new_match(&src).map_err(|e: pyre::Error| Error::Index {
                    path: path.to_string(),
                    line: n + 1,
                    message: e.to_string(),
                })?;
                columns.push((header[i].clone(), re));
            }
            rows.push(Row {
                templates: cells[template_col].split(':').map(str::to_string).collect(),
                columns,
            });
        }
        Ok(Index { rows })
    }

    /// The first row whose columns all match the given attributes (columns the attributes
    /// do not mention, and attributes the index lacks, are ignored).
    pub fn lookup(&self, attributes: &[(&str, &str)]) -> Option<&Row> {
        self.lookup_position(attributes).map(|i| &self.rows[i])
    }

    /// Like [`Index::lookup`], the row's number in [`Index::rows`].
    pub fn lookup_position(&self, attributes: &[(&str, &str)]) -> Option<usize> {
        self.rows.iter().position(|row| {
            attributes.iter().all(|(key, value)| {
                row.columns
                    .iter()
                    .filter(|(c, _)| c == key)
                    .all(|(_, re)| re.is_match(value).unwrap_or(false))
            })
        })
    }

    /// The row for a platform and command, as ntc-templates' `parse_output` asks.
    pub fn find(&self, platform: &str, command: &str) -> Option<&Row> {
        self.lookup(&[("Command", command), ("Platform", platform)])
    }

    /// Like [`Index::find`], the row's number in [`Index::rows`].
    pub fn position(&self, platform: &str, command: &str) -> Option<usize> {
        self.lookup_position(&[("Command", command), ("Platform", platform)])
    }
}

/// Parses `text` with a chain of templates and joins the results like clitable: the first
/// template gives the rows, each later one adds its missing columns, matched on the `Key`
/// values of the first template that has any.
pub fn parse_chain(templates: &[&Template], text: &str) -> Result<Vec<Record>, Error> {
    match templates {
        // Nothing to join: records straight from the parse, without a table in between.
        [t] => Ok(t.parse_records(text)?),
        _ => Ok(parse_chain_table(templates, text)?.into_records()),
    }
}

/// [`parse_chain`]'s records as JSON text, the form the plugin returns: one template's rows
/// are written straight from the parse, a chain's from the joined table.
pub fn parse_chain_json(templates: &[&Template], text: &str) -> Result<String, Error> {
    match templates {
        [t] => Ok(t.parse_json(text)?),
        _ => Ok(parse_chain_table(templates, text)?.to_json()),
    }
}

/// [`parse_chain`]'s joined table, before it becomes records.
pub fn parse_chain_table(templates: &[&Template], text: &str) -> Result<Table, Error> {
    let Some((first, rest)) = templates.split_first() else {
        return Ok(Table::default());
    };
    let mut keys = first.keys();
    let mut table: Table = first.parse_text(text)?;
    for t in rest {
        let other = t.parse_text(text)?;
        if keys.is_empty() {
            keys = t.keys();
        }
        table.extend(&other, &keys)?;
    }
    Ok(table)
}

/// An index and its template directory, with templates compiled once and kept.
#[derive(Debug)]
pub struct CliTable {
    /// Where the index and the templates live.
    dir: PathBuf,
    /// The parsed index.
    index: Index,
    /// Compiled templates by file name, so each is compiled once per table.
    cache: HashMap<String, Arc<Template>>,
}

impl CliTable {
    /// Reads `dir/index`; templates are read and compiled on first use.
    pub fn load(dir: impl AsRef<Path>) -> Result<CliTable, Error> {
        let dir = dir.as_ref().to_path_buf();
        let path = dir.join("index");
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let index = Index::parse(&path.display().to_string(), &text)?;
        Ok(CliTable {
            dir,
            index,
            cache: HashMap::new(),
        })
    }

    /// The parsed index.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Compiles (or fetches) one template of this directory by file name.
    pub fn template(&mut self, name: &str) -> Result<Arc<Template>, Error> {
        if let Some(t) = self.cache.get(name) {
            return Ok(Arc::clone(t));
        }
        let path = self.dir.join(name);
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Io { path, source })?;
        let t = Arc::new(Template::parse(name, &text)?);
        self.cache.insert(name.to_string(), Arc::clone(&t));
        Ok(t)
    }

    /// Parses `text`, the output of `command` on `platform`, with the template(s) the index
    /// names for them.
    pub fn parse(
        &mut self,
        platform: &str,
        command: &str,
        text: &str,
    ) -> Result<Vec<Record>, Error> {
        let names = self
            .index
            .find(platform, command)
            .map(|row| row.templates.clone())
            .ok_or_else(|| Error::NoTemplate {
                platform: platform.to_string(),
                command: command.to_string(),
            })?;
        let templates = names
            .iter()
            .map(|n| self.template(n))
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&Template> = templates.iter().map(Arc::as_ref).collect();
        parse_chain(&refs, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_expands_like_clitable() {
        assert_eq!(
            expand_completion("sh[[ow]] ver[[sion]]"),
            "sh(o(w)?)? ver(s(i(o(n)?)?)?)?"
        );
        assert_eq!(expand_completion("show arp"), "show arp");
    }
}
