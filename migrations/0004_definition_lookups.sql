-- Workflow lists page in SQL in their display order, and a workflow is found by its name or function without
-- reading every definition of its repository.
create index workflow_definitions_list_idx
  on workflow_definitions (repository_id, (state = 'deleted'), file_path, function_name);
create index workflow_definitions_name_idx on workflow_definitions (repository_id, name);
create index workflow_definitions_function_idx on workflow_definitions (repository_id, function_name);
