/// Where every pane goes for a terminal size: a pure function of the size and of what is shown,
/// so that drawing, the mouse and the tests agree without a terminal.
struct ExplorerLayout {
    enum Pane: Hashable {
        case degraded, conditioned, proxyMask, mask, truth
        /// A sampler row's panes (row index from the top).
        case predicted(Int), current(Int), shift(Int), distance(Int)
    }

    /// A rectangle of cells; an image fills it from its top-left corner.
    struct Rect: Equatable {
        let row: Int, column: Int, columns: Int, rows: Int
        func contains(row r: Int, column c: Int) -> Bool { r >= row && r < row + rows && c >= column && c < column + columns }
    }

    /// The smallest window the explorer draws in.
    static let minimumColumns = 80, minimumRows = 24

    let columns: Int, rows: Int
    /// Each pane image's side in cells: `paneColumns` wide, `imageRows` tall (square in half-blocks).
    let imageRows: Int, paneColumns: Int
    /// Each pane's image; its label sits on the line above.
    private(set) var panes: [Pane: Rect] = [:]
    /// Each sampler row that fits: its label line and the column where its numbers start.
    private(set) var samplerRows: [(labelRow: Int, numbersColumn: Int)] = []

    var fits: Bool { columns >= Self.minimumColumns && rows >= Self.minimumRows }

    /// - Parameters: `top` the first row's panes in order; `samplerRows` how many sampler rows there are;
    ///   `guidancePanes` whether each sampler row also shows the update and |ŷ0,t − g(x)|.
    init(columns: Int, rows: Int, top: [Pane], samplerRows count: Int, guidancePanes: Bool) {
        self.columns = columns
        self.rows = rows
        // Square panes (a cell is two half-block pixels tall) sized so that the top row and every
        // sampler row fit between the header (3 lines) and the footer; at most 32 rows, a 64 px image
        // at one half-block per pixel (sixel panes scale to whatever fits). With the guidance panes a
        // row holds four panes and the numbers (about 36 columns).
        let available = rows - 6
        let rowFit = guidancePanes ? (columns - 40) / 8 : Int.max
        imageRows = max(min((columns - 2) / max(top.count, 4) / 2, 32, rowFit, available / (1 + count) - 2), 3)
        paneColumns = 2 * imageRows
        guard fits else { return }
        var line = 3
        for (i, pane) in top.enumerated() {
            panes[pane] = Rect(row: line + 1, column: i * (paneColumns + 1), columns: paneColumns, rows: imageRows)
        }
        line += imageRows + 2
        for index in 0..<count where line + imageRows + 2 < rows - 2 {
            let row: [Pane] = guidancePanes ? [.predicted(index), .current(index), .shift(index), .distance(index)] : [.predicted(index), .current(index)]
            for (i, pane) in row.enumerated() {
                panes[pane] = Rect(row: line + 1, column: i * (paneColumns + 1), columns: paneColumns, rows: imageRows)
            }
            samplerRows.append((line, row.count * (paneColumns + 1) + 1))
            line += imageRows + 2
        }
    }

    /// The pixel of a `resolution`-sided image under cell (row, column), when the image drawn in `pane`
    /// covers `drawn` cells (a sixel image may cover fewer than the rectangle); nil outside it.
    func pixel(of pane: Pane, row: Int, column: Int, resolution: Int, drawn: (columns: Int, rows: Int)) -> (x: Int, y: Int)? {
        guard let rect = panes[pane], drawn.columns > 0, drawn.rows > 0 else { return nil }
        let image = Rect(row: rect.row, column: rect.column, columns: min(drawn.columns, rect.columns), rows: min(drawn.rows, rect.rows))
        guard image.contains(row: row, column: column) else { return nil }
        // The cell's centre, in image pixels.
        let x = (Double(column - image.column) + 0.5) * Double(resolution) / Double(image.columns)
        let y = (Double(row - image.row) + 0.5) * Double(resolution) / Double(image.rows)
        return (min(Int(x), resolution - 1), min(Int(y), resolution - 1))
    }
}
