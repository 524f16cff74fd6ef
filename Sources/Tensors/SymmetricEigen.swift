import COpenBLAS

/// Eigenvalues and eigenvectors of a symmetric matrix (LAPACK dsyev through OpenBLAS).
public enum SymmetricEigen {
    /// For a symmetric n×n matrix in row-major order: eigenvalues ascending, and eigenvectors as
    /// the rows of an n×n row-major matrix (row i belongs to value i).
    public static func decompose(_ matrix: [Double], n: Int) -> (values: [Double], vectors: [Double]) {
        precondition(matrix.count == n * n, "a \(n)×\(n) matrix needs \(n * n) values")
        var a = matrix  // symmetric: row-major and column-major agree
        var values = [Double](repeating: 0, count: n)
        var size = Int32(n), lda = Int32(n), info: Int32 = 0, lwork: Int32 = -1
        var query = 0.0
        dsyev_("V", "U", &size, &a, &lda, &values, &query, &lwork, &info)
        lwork = Int32(query)
        var work = [Double](repeating: 0, count: Int(lwork))
        dsyev_("V", "U", &size, &a, &lda, &values, &work, &lwork, &info)
        precondition(info == 0, "dsyev failed (info \(info))")
        // LAPACK leaves eigenvector j in column j (column-major), i.e. contiguous row j here.
        return (values, a)
    }

    /// The symmetric positive semi-definite square root (negative eigenvalues from rounding are clamped to 0).
    public static func squareRoot(_ matrix: [Double], n: Int) -> [Double] {
        let (values, vectors) = decompose(matrix, n: n)
        var out = [Double](repeating: 0, count: n * n)
        for k in 0..<n {
            let s = max(values[k], 0).squareRoot()
            if s == 0 { continue }
            for i in 0..<n { for j in 0..<n { out[i * n + j] += s * vectors[k * n + i] * vectors[k * n + j] } }
        }
        return out
    }
}
