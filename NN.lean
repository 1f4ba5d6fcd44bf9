import NN.Spec.Shape
import NN.Spec.Scalar
import NN.Spec.Tensor
import NN.Spec.Ops.Elementwise
import NN.Spec.Ops.Affine
import NN.Spec.Ops.Convolution
import NN.Spec.Ops.Pooling
import NN.Spec.Ops.Normalisation
import NN.Spec.Ops.Softmax
import NN.Spec.Ops.Structural
import NN.Spec.Ops.Reductions
import NN.IR.OpTag
import NN.IR.OpKind
import NN.IR.Rules
import NN.IR.Graph
import NN.IR.Denote
import NN.Runtime.IRExec
import NN.Proofs.IRExec.Gather
import NN.Proofs.IRExec.Graph
import NN.Proofs.IRExec.Leaves
import NN.Proofs.IRExec.Elementwise
import NN.Proofs.IRExec.Affine
import NN.Proofs.IRExec.Convolution
import NN.Proofs.IRExec.Pooling
import NN.Proofs.IRExec.Normalisation
import NN.Proofs.IRExec.Softmax
import NN.Proofs.IRExec.Structural
import NN.Proofs.IRExec.Reductions
import NN.Proofs.IRExec
import NN.Runtime.SHA256
import NN.Runtime.Payload
import NN.Runtime.Run
import NN.Proofs.Check

/-!
# tlean

Root module: imports every public module of the `NN` library (not the tests, not the audit
executable). See `NN/README.md` for what is proved and what is not.
-/
