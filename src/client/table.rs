//! Plain-text tables for a terminal: columns padded to their widest cell.

use serde_json::Value;

/// Widest a cell is printed; longer text is cut with an ellipsis so one long value does not
/// push every other column off the screen.
const MAX_CELL_CHARS: usize = 60;

/// Renders `rows` under `headers`, one line each, columns separated by two spaces.
pub fn render(headers: &[String], rows: &[Vec<String>]) -> String {
    let cut: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| shorten(cell)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &cut {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let width = widths.get(i).copied().unwrap_or(0);
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<width$}  "));
            }
        }
        out.trim_end().to_string()
    };
    let mut text = line(headers);
    text.push('\n');
    text.push_str(&line(
        &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
    ));
    text.push('\n');
    for row in &cut {
        text.push_str(&line(row));
        text.push('\n');
    }
    text
}

/// Parsed records (a JSON array of objects) as a table, columns in first-seen key order;
/// anything else is pretty JSON.
pub fn records(parsed: &Value) -> String {
    let Some(items) = parsed.as_array().filter(|a| a.iter().all(Value::is_object)) else {
        return serde_json::to_string_pretty(parsed).unwrap_or_default() + "\n";
    };
    let mut headers: Vec<String> = Vec::new();
    for item in items {
        for key in item.as_object().into_iter().flat_map(|o| o.keys()) {
            if !headers.contains(key) {
                headers.push(key.clone());
            }
        }
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| headers.iter().map(|h| cell(&item[h.as_str()])).collect())
        .collect();
    render(&headers, &rows)
}

/// A JSON value as one cell: strings bare, lists joined by commas, null empty.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

fn shorten(text: &str) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.chars().count() <= MAX_CELL_CHARS {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(MAX_CELL_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn records_become_aligned_columns() {
        let parsed = json!([
            {"interface": "Gi0/1", "status": "up"},
            {"interface": "GigabitEthernet0/10", "status": "down", "vlan": ["1", "2"]}
        ]);
        assert_eq!(
            records(&parsed),
            "interface            status  vlan\n\
             -------------------  ------  ----\n\
             Gi0/1                up\n\
             GigabitEthernet0/10  down    1,2\n"
        );
    }

    #[test]
    fn long_cells_are_cut_and_non_tables_stay_json() {
        let long = "x".repeat(100);
        let t = render(&["a".into()], &[vec![long]]);
        assert!(
            t.lines()
                .nth(2)
                .is_some_and(|l| l.chars().count() == MAX_CELL_CHARS)
        );
        assert_eq!(records(&json!({"k": 1})), "{\n  \"k\": 1\n}\n");
    }
}
