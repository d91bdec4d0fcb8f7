"""Session-state key names, in one place: the pages and ``ui`` read and write these."""

DATASET = "dataset_spec"  # tuple describing the loaded dataset (see ui.specs.load_spec)
MODELS = "models"  # name -> ModelRecord, every model trained or loaded in this session
MODEL = "model_name"  # the model the Attention page shows
TRAIN_PICK = "train_model_pick"  # the Train page's model selectbox
ATTENTION_PICK = "att_model"  # the Attention page's model selectbox
ANALYSIS_PICK = "analysis_model"  # the Analysis page's model selectbox
SELECT_NEXT = "select_next"  # {"name": model} that every picker shows from the next run on
COMPARE_PICKS = ("compare_a", "compare_b")  # the Compare page's two model selectboxes
LINK_NOTES = "link_notes"  # what the link this session was opened with could not bring back
LINK_PENDING = "link_pending"  # the link's model, when it has to be trained again
UPLOADS = "uploads"  # SHA-256 digest -> bytes of the files this session uploaded
PICKERS = (MODEL, TRAIN_PICK, ATTENTION_PICK, ANALYSIS_PICK)  # follow a newly added model
